export { CalendarSyncPage } from './CalendarSyncPage';
