// Runs s3rver in a child Node started with --openssl-legacy-provider: s3rver
// makes its ListObjectsV2 continuation tokens with DES, which OpenSSL 3
// (Node >= 17) only offers from its legacy provider. Prints the port, then
// serves until its parent closes stdin.
import S3rver from "s3rver"

const [directory, ...buckets] = process.argv.slice(2)
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name, configs: [] }))
})
const address = await server.run()
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`)
process.stdin.resume()
process.stdin.on("end", () => {
  server.httpServer.closeAllConnections()
  server.close().then(() => process.exit(0))
})
