import { Fragment } from 'react';
import { Anchor } from '@mantine/core';

const urlRE = /(https?:\/\/[^\s<>"')\]]+)/g;

/** LinkifiedText shows plain text with its http(s) addresses as links (never as HTML). */
export function LinkifiedText({ text }: { text: string }) {
  const parts = text.split(urlRE);
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <Anchor key={i} href={p} target="_blank" rel="noopener noreferrer" style={{ wordBreak: 'break-all' }}>
            {p}
          </Anchor>
        ) : (
          <Fragment key={i}>{p}</Fragment>
        ),
      )}
    </>
  );
}
