import { loadQrEncoder } from '../shared/lazy.js';

/**
 * Turns text into the `d` of one SVG path (one 1×1 square per dark module). Rendered through a
 * Lit `svg` attribute binding: no markup string, no HTML sink, crisp at any zoom.
 * The encoder is loaded on first use so pages that never enroll do not download it.
 */
export async function qrPath(text: string): Promise<{ size: number; d: string }> {
  const { create } = await loadQrEncoder();
  const { size, data } = create(text, { errorCorrectionLevel: 'M' }).modules;
  let d = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) if (data[y * size + x]) d += `M${x} ${y}h1v1h-1z`;
  }
  return { size, d };
}
