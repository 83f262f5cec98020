import { css } from 'lit';

export const enrollStyles = css`
  .primary[aria-disabled='true'] {
    opacity: 0.6;
    cursor: default;
  }
  .qr {
    justify-self: center;
    width: min(14rem, 100%);
    height: auto;
    padding: 0.75rem;
    /* The QR must stay dark-on-light in every theme: scanners need the contrast. */
    background: #ffffff;
    border-radius: calc(var(--_radius) / 1.5);
  }
  .qr path {
    fill: #000000;
  }
  .secret {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem;
  }
  .secret code {
    font: 600 1rem/1.5 ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    overflow-wrap: anywhere;
  }
`;
