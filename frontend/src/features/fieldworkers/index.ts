export function FieldworkersPage() { return null; } // replaced by the feature's page
