/**
 * A form in a modal dialog that sends one change to the API: while it is sent the buttons are
 * disabled; when the API refuses, its problem's detail shows above the buttons and the dialog
 * stays open; when it succeeds, the caller closes it. A confirmation is the same with no fields.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError } from '../api';
import { Dialog } from './dialog';
import { FormError } from './form-field';

export function FormDialog({
  title,
  submitLabel,
  isDanger = false,
  onSubmit,
  onClose,
  children,
}: {
  title: string;
  submitLabel: string;
  isDanger?: boolean;
  /** sends the change; throws (an ApiError) when it was refused */
  onSubmit: () => Promise<void>;
  onClose: () => void;
  children?: ReactNode;
}) {
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await onSubmit();
    } catch (e) {
      setError(e instanceof ApiError ? e.detail : String(e));
      setBusy(false);
    }
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <form className="admin-form" onSubmit={(e) => void submit(e)}>
        {children}
        <FormError error={error} />
        <div className="actions">
          <button type="submit" className={isDanger ? 'danger' : undefined} disabled={isBusy} data-autofocus>
            {submitLabel}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "Delete X?": confirmed with the dialog's danger button, cancelled with Cancel or Escape. */
export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  onConfirm,
  onClose,
}: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  return (
    <FormDialog title={title} submitLabel={confirmLabel} isDanger onSubmit={onConfirm} onClose={onClose}>
      <p>{message}</p>
    </FormDialog>
  );
}
