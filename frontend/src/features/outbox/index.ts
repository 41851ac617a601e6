export function OutboxPage() { return null; } // replaced by the feature's page
