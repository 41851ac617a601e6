export function CalendarSyncPage() { return null; } // replaced by the feature's page
