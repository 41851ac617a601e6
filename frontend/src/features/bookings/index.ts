export function BookingsPage() { return null; } // replaced by the feature's page
export function BookingPage() { return null; } // replaced by the feature's page
