import { notifications, type NotificationData } from '@mantine/notifications';

/** notify shows a notification whose close button has a name (Mantine's has none). */
export function notify(n: NotificationData): void {
  notifications.show({ ...n, closeButtonProps: { 'aria-label': 'Close notification', ...n.closeButtonProps } });
}
