export { BookingsPage } from './BookingsPage';
export { BookingPage } from './BookingPage';
