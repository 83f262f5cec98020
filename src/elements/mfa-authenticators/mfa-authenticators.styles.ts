import { css } from 'lit';

export const authenticatorsStyles = css`
  button[aria-disabled='true'] {
    opacity: 0.6;
    cursor: default;
  }
  .factors {
    display: grid;
    gap: 0.5rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .factor {
    display: grid;
    gap: 0.25rem;
    padding: 0.75rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
  }
  .factor h3 {
    margin: 0;
    font-size: 1rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .warning {
    padding: 0.5rem 0.75rem;
    border-inline-start: 4px solid var(--_danger);
  }
  input.name {
    box-sizing: border-box;
    min-height: 2.75rem;
    flex: 1 1 10rem;
    padding: 0.25rem 0.5rem;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    background: var(--_bg);
    color: var(--_fg);
    font: inherit;
  }
  input.name:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 1px;
  }
`;
