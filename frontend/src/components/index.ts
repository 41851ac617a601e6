export { ErrorAlert } from './ErrorAlert';
export { QueryState } from './QueryState';
export { ConfirmButton } from './ConfirmButton';
export { ConfirmModal } from './ConfirmModal';
export { PageHeader } from './PageHeader';
