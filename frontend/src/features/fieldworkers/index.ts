export { FieldworkersPage } from './FieldworkersPage';
