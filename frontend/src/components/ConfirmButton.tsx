import { useState, type ReactNode } from 'react';
import { Button, type ButtonProps } from '@mantine/core';
import { ConfirmModal } from './ConfirmModal';

// ConfirmButton asks before doing something that cannot be undone
// (unlinking a calendar, deactivating a user).
export function ConfirmButton({
  children,
  title,
  message,
  confirmLabel,
  onConfirm,
  ...button
}: ButtonProps & {
  children: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown> | void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button color="red" variant="light" {...button} onClick={() => setOpen(true)}>
        {children}
      </Button>
      {open && (
        <ConfirmModal
          title={title}
          message={message}
          confirmLabel={confirmLabel}
          onConfirm={async () => onConfirm()}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
