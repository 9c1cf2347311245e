import type { LanguageRules } from '../types';
import { javascriptRules } from './javascript';
import { pythonRules } from './python';
import { goRules } from './go';
import { javaRules } from './java';
import { cRules } from './c';
import { csharpRules } from './csharp';

/**
 * Every language module. Add a module here when it lands; a language without one is parsed but
 * reports nothing.
 */
export const LANGUAGE_RULES: readonly LanguageRules[] = [javascriptRules, pythonRules, goRules, javaRules, cRules, csharpRules];
