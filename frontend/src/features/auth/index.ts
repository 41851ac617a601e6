export { SessionProvider, useSession, useViewer, isStaff, ViewerDocument } from './session';
export type { Viewer, Role } from './session';
export { SignInPage } from './SignInPage';
export { useSignOut } from './useSignOut';
