import { App } from 'aws-cdk-lib';
import { cairnApp } from './cairn-app.ts';

cairnApp(new App());
