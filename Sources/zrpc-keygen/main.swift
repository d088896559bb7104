// zrpc-keygen: makes a CURVE key pair for ZRPC (docs/SECURITY.md).
//
//   swift run zrpc-keygen                 # prints "public-key <Z85>" and "secret-key <Z85>"
//   swift run zrpc-keygen SECRET_FILE     # writes the secret key to SECRET_FILE (mode 0600, not
//                                         # overwritten if it exists) and prints the public key
//
// The public key goes in servers' allow-lists (a client's) or in clients' configuration (a
// server's); the secret key file is what `<SCOPE>_CURVE_SECRET_KEY_FILE` names.
import Foundation
import ZRPC

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count <= 1, arguments.first?.hasPrefix("-") != true else {
    FileHandle.standardError.write(Data("usage: zrpc-keygen [SECRET_FILE]\n".utf8))
    exit(2)
}
let keys: CurveKeys
do {
    keys = try CurveKeys.generate()
} catch {
    FileHandle.standardError.write(Data("zrpc-keygen: \(error)\n".utf8))
    exit(1)
}
guard let path = arguments.first else {
    print("public-key \(keys.publicKey)")
    print("secret-key \(keys.secretKey)")
    exit(0)
}
guard !FileManager.default.fileExists(atPath: path) else {
    FileHandle.standardError.write(Data("zrpc-keygen: \(path) exists; not overwriting a key\n".utf8))
    exit(1)
}
guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
    let file = FileHandle(forWritingAtPath: path)
else {
    FileHandle.standardError.write(Data("zrpc-keygen: cannot create \(path)\n".utf8))
    exit(1)
}
file.write(Data((keys.secretKey + "\n").utf8))
try? file.close()
print("public-key \(keys.publicKey)")
