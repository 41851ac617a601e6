import { notifications } from '@mantine/notifications';

/** notifySaved confirms a change (the close button gets a name for screen readers). */
export function notifySaved(message: string): void {
  notifications.show({ color: 'green', message, closeButtonProps: { 'aria-label': 'Dismiss' } });
}
