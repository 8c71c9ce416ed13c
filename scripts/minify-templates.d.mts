// Types of the pure functions of minify-templates.mjs, for the browser test that checks them.
export function minifyCss(text: string): string;
export function minifyHtml(text: string): string;
declare const minifyTemplates: () => unknown;
export default minifyTemplates;
