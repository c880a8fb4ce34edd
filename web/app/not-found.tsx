import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="state" style={{ minHeight: '60vh' }}>
      <div className="state-title">This page does not exist</div>
      <div className="state-body">
        <Link className="link" href="/experiments/">
          Back to experiments
        </Link>
      </div>
    </div>
  );
}
