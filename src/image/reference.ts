import { TsrunError } from '../sys/error';

export interface ImageRef {
  name: string;
  tag: string;
}

const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** NAME[:TAG] with Docker's rules for both parts; the tag defaults to latest. */
export function parseImageRef(text: string): ImageRef {
  const colon = text.lastIndexOf(':');
  const slash = text.lastIndexOf('/');
  const [name, tag] = colon > slash ? [text.slice(0, colon), text.slice(colon + 1)] : [text, 'latest'];
  if (!NAME.test(name)) {
    throw new TsrunError(
      `invalid image name "${text}": use lowercase letters, digits and . _ - / (e.g. alpine or alpine:3.20)`,
    );
  }
  if (!TAG.test(tag)) {
    throw new TsrunError(`invalid image tag "${tag}" in "${text}": use letters, digits, _ . - (at most 128)`);
  }
  return { name, tag };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}:${ref.tag}`;
}
