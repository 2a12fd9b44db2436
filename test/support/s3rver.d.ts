// s3rver ships no types; the part of its API the tests and the example use.
declare module "s3rver" {
  import type { Server } from "node:http"
  import type { AddressInfo } from "node:net"
  interface Options {
    readonly address?: string
    readonly port?: number
    readonly silent?: boolean
    readonly directory?: string
    readonly resetOnClose?: boolean
    readonly configureBuckets?: ReadonlyArray<{ readonly name: string; readonly configs: ReadonlyArray<string | Buffer> }>
  }
  export default class S3rver {
    constructor(options?: Options)
    readonly httpServer: Server
    run(): Promise<AddressInfo>
    close(): Promise<void>
  }
}
