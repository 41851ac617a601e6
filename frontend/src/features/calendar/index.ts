export function CalendarPage() { return null; } // replaced by the feature's page
