export function AuditPage() { return null; } // replaced by the feature's page
