import { domainHandler } from '#http/domain-handler.ts';
import { operations } from './handlers.ts';

export const handler = domainHandler('mlflow', operations);
