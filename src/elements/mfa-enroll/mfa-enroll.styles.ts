import { css } from 'lit';

export const enrollStyles = css`
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
  .secret code,
  .codes {
    font: 600 1rem/1.5 ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    overflow-wrap: anywhere;
  }
  .codes {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
    gap: 0.25rem 1rem;
    margin: 0;
    padding: 0.75rem;
    list-style: none;
    border: 1px dashed var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
  }
`;
