import { css } from 'lit';

export const promptStyles = css`
  .message {
    padding: 0.5rem 0.75rem;
    border-inline-start: 4px solid var(--_accent);
    background: color-mix(in srgb, var(--_accent) 8%, transparent);
  }
`;
