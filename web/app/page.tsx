'use client';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/** The dashboard opens on the experiments list; sign-in is handled by the session gate. */
export default function Home() {
  const router = useRouter();
  useEffect(() => router.replace('/experiments/'), [router]);
  return null;
}
