'use client';
import { useState } from 'react';
import { Button } from './button';
import { CheckIcon, CopyIcon } from './icons';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard access can be refused (insecure origin); the text stays selectable.
    }
  };
  return (
    <Button size="sm" icon={copied ? <CheckIcon size={14} /> : <CopyIcon size={14} />} onClick={copy}>
      {copied ? 'Copied' : label}
    </Button>
  );
}
