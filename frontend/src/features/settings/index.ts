export function SettingsPage() { return null; } // replaced by the feature's page
