// README.md's marked sections (`<!-- name:begin … -->` … `<!-- name:end -->`), which tests hold to the truth.
import fs from 'node:fs';
import path from 'node:path';

const README = path.join(__dirname, '..', '..', '..', 'README.md');

export function readmeSection(marker: string): string {
  const readme = fs.readFileSync(README, 'utf8');
  return new RegExp(`<!-- ${marker}:begin[^>]*-->\\n([\\s\\S]*?)<!-- ${marker}:end -->`).exec(readme)?.[1] ?? '';
}
