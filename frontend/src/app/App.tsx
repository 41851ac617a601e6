import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { SessionProvider } from '@/features/auth';
import { cssVariablesResolver, theme } from '@/theme';
import { AppRouter } from './router';

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      <Notifications position="top-right" />
      <SessionProvider>
        <AppRouter />
      </SessionProvider>
    </MantineProvider>
  );
}
