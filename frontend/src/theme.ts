import { createTheme, type CSSVariablesResolver } from '@mantine/core';

// Design tokens: the console's colours and spacing live here. Provider and
// booking colours are not tokens: they come from the API (CalendarLegend,
// Organization), so an organization's choice shows everywhere at once.
export const tokens = {
  brand: '#1a73e8',
  danger: '#c92a2a',
  success: '#1f6f30',
  muted: '#5c5f66',
  pageMaxWidth: 1280,
  navbarWidth: 220,
  headerHeight: 56,
} as const;

export const theme = createTheme({
  primaryColor: 'blue',
  // Shade 8: white on the default shade 6 is below WCAG AA contrast.
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  components: {
    Button: { defaultProps: { size: 'sm' } },
    // Mantine's close buttons carry no accessible name of their own.
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    Drawer: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    Notification: { defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } } },
  },
});

// Mantine's "dimmed" grey is below WCAG AA contrast on white; ours is not.
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': tokens.muted },
  dark: {},
});
