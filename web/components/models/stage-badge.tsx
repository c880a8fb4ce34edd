import { Badge, type Tone } from '@/components/ui/badge';
import type { ModelStage } from '@/lib/api/types';

const tones: Record<ModelStage, Tone> = {
  None: 'neutral',
  Staging: 'warning',
  Production: 'success',
  Archived: 'neutral',
};

export function StageBadge({ stage }: { stage: ModelStage }) {
  if (stage === 'None') return null;
  return <Badge tone={tones[stage]}>{stage}</Badge>;
}
