/** The largest JSON body any route accepts (API Gateway itself stops at 10 MB). */
export const maxJsonBodyBytes = 1024 * 1024;
