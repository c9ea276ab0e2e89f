/** One instruction's text, split and with its heredoc bodies read: the input of every parseX. */
import type { Heredoc } from '../instructions.js';
import type { EscapeChar } from './lines.js';

export interface InstructionText {
  /** The keyword, upper-cased (keywords are case-insensitive). */
  keyword: string;
  /** `--name[=value]` words before the arguments. */
  flags: string[];
  /** The arguments after the flags, trimmed. */
  rest: string;
  line: number;
  /** The instruction as written, continuation lines joined. */
  original: string;
  heredocs: Heredoc[];
  escape: EscapeChar;
}
