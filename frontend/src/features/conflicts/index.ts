export { ConflictsPage } from './ConflictsPage';
export { calendarName } from './words';
