import { Suspense } from 'react';
import { NavLink as RouterLink, Outlet, useLocation } from 'react-router';
import { AppShell, Burger, Button, Center, Group, Loader, NavLink, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useSignOut, useViewer, type Role } from '@/features/auth';
import { tokens } from '@/theme';

interface NavItem {
  to: string;
  label: string;
  roles: Role[];
}

// navItems: what each role sees in the menu (the server enforces the same).
export const navItems: NavItem[] = [
  { to: '/calendar', label: 'Calendar', roles: ['ADMIN', 'SCHEDULER', 'FIELDWORKER'] },
  { to: '/bookings', label: 'Bookings', roles: ['ADMIN', 'SCHEDULER', 'FIELDWORKER'] },
  { to: '/fieldworkers', label: 'Fieldworkers', roles: ['ADMIN', 'SCHEDULER'] },
  { to: '/sync', label: 'My calendar sync', roles: ['ADMIN', 'SCHEDULER', 'FIELDWORKER'] },
  { to: '/conflicts', label: 'Sync conflicts', roles: ['ADMIN', 'SCHEDULER', 'FIELDWORKER'] },
  { to: '/settings', label: 'Organization settings', roles: ['ADMIN'] },
  { to: '/outbox', label: 'Outbox', roles: ['ADMIN'] },
  { to: '/audit', label: 'Audit log', roles: ['ADMIN'] },
];

export function Shell() {
  const viewer = useViewer();
  const [opened, { toggle, close }] = useDisclosure();
  const [signingOut, signOut] = useSignOut();
  const location = useLocation();
  return (
    <AppShell
      header={{ height: tokens.headerHeight }}
      navbar={{ width: tokens.navbarWidth, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Title order={2} size="h4">
              Calsync
            </Title>
            <Text size="sm" c="dimmed" visibleFrom="xs" truncate>
              {viewer.organization.name}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="sm" truncate>
              {viewer.user.name}
            </Text>
            <Button variant="default" size="xs" onClick={signOut} loading={signingOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <Stack gap={2}>
          {navItems
            .filter((n) => n.roles.includes(viewer.role))
            .map((n) => (
              <NavLink
                key={n.to}
                component={RouterLink}
                to={n.to}
                label={n.label}
                active={location.pathname.startsWith(n.to)}
                onClick={close}
              />
            ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        <div style={{ maxWidth: tokens.pageMaxWidth }}>
          <Suspense
            fallback={
              <Center p="xl">
                <Loader aria-label="Loading page" />
              </Center>
            }
          >
            <Outlet />
          </Suspense>
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
