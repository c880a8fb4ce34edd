import type { RunStatus } from '@/lib/api/types';

const labels: Record<RunStatus, string> = {
  RUNNING: 'Running',
  SCHEDULED: 'Scheduled',
  FINISHED: 'Finished',
  FAILED: 'Failed',
  KILLED: 'Killed',
};

export function StatusLabel({ status }: { status: RunStatus }) {
  return (
    <span className={`status status-${status}`}>
      <span className={status === 'RUNNING' ? 'dot dot-pulse' : 'dot'} />
      <span className="status-label">{labels[status] ?? status}</span>
    </span>
  );
}
