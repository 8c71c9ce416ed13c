// React 19 through Vite with esbuild's own JSX transform (no React plugin needed).
export default {
  build: { target: 'es2022' },
  esbuild: { jsx: 'automatic', jsxImportSource: 'react' },
};
