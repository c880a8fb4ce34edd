import type { NextConfig } from 'next';

// A static export: every page is a shell that fetches from the API address in /config.json, so one
// build serves the local stack and every deployed stack.
const config: NextConfig = {
  output: 'export',
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
  // The SDK ships TypeScript sources; the dashboard reuses its error type.
  transpilePackages: ['@cairn/sdk'],
};

export default config;
