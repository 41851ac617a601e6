import { lazy, useMemo, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { SignInPage, useSession, type Role } from '@/features/auth';
import { Shell } from './Shell';
import { NotFound } from './NotFound';

// Pages load on demand: the calendar's component is large, and a
// fieldworker on a phone should not download the admin pages.
const CalendarPage = lazy(() => import('@/features/calendar').then((m) => ({ default: m.CalendarPage })));
const BookingsPage = lazy(() => import('@/features/bookings').then((m) => ({ default: m.BookingsPage })));
const BookingPage = lazy(() => import('@/features/bookings').then((m) => ({ default: m.BookingPage })));
const FieldworkersPage = lazy(() => import('@/features/fieldworkers').then((m) => ({ default: m.FieldworkersPage })));
const CalendarSyncPage = lazy(() => import('@/features/calendar-sync').then((m) => ({ default: m.CalendarSyncPage })));
const SettingsPage = lazy(() => import('@/features/settings').then((m) => ({ default: m.SettingsPage })));
const OutboxPage = lazy(() => import('@/features/outbox').then((m) => ({ default: m.OutboxPage })));
const AuditPage = lazy(() => import('@/features/audit').then((m) => ({ default: m.AuditPage })));
const ConflictsPage = lazy(() => import('@/features/conflicts').then((m) => ({ default: m.ConflictsPage })));

function Only({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { viewer } = useSession();
  if (!viewer || !roles.includes(viewer.role)) return <NotFound reason="This page is for administrators only." />;
  return <>{children}</>;
}

const staff: Role[] = ['ADMIN', 'SCHEDULER'];
const admin: Role[] = ['ADMIN'];

const signedInRoutes = [
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <Navigate to="/calendar" replace /> },
      { path: 'signin', element: <Navigate to="/calendar" replace /> },
      { path: 'calendar', element: <CalendarPage /> },
      { path: 'bookings', element: <BookingsPage /> },
      { path: 'bookings/new', element: <BookingPage /> },
      { path: 'bookings/:id', element: <BookingPage /> },
      { path: 'fieldworkers', element: <Only roles={staff}><FieldworkersPage /></Only> },
      { path: 'sync', element: <CalendarSyncPage /> },
      { path: 'conflicts', element: <ConflictsPage /> },
      { path: 'settings', element: <Only roles={admin}><SettingsPage /></Only> },
      { path: 'outbox', element: <Only roles={admin}><OutboxPage /></Only> },
      { path: 'audit', element: <Only roles={admin}><AuditPage /></Only> },
      { path: '*', element: <NotFound /> },
    ],
  },
];

// Signed out, every address shows the sign-in form; after signing in the
// same address opens (deep links survive the sign-in).
const signedOutRoutes = [{ path: '*', element: <SignInPage /> }];

export function AppRouter() {
  const { viewer } = useSession();
  const signedIn = viewer !== null;
  // A router reads the address when it is made: make it when the session
  // changes, so the page signed in at is the one shown.
  const router = useMemo(() => createBrowserRouter(signedIn ? signedInRoutes : signedOutRoutes), [signedIn]);
  return <RouterProvider key={signedIn ? 'in' : 'out'} router={router} />;
}
