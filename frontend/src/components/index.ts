export { ErrorAlert } from './ErrorAlert';
export { QueryState } from './QueryState';
export { ConfirmButton } from './ConfirmButton';
export { PageHeader } from './PageHeader';
