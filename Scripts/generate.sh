#!/usr/bin/env bash
# Regenerates every committed protoc-c and zrpc-gen output from Protos/.
# Each `zrpc_gen` line below is also read by Tests/ZRPCGeneratorTests, which fails when the
# committed files differ from what these lines generate.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/install-deps.sh"

swift build --product zrpc-gen
zrpc_gen() { "$(swift build --show-bin-path)/zrpc-gen" "$@"; }

zrpc_gen --proto-path Protos --swift-out Sources/ZRPCGenerator/Generated --c-out Sources/ZRPCDescriptorC --c-module ZRPCDescriptorC --access package zrpc/descriptor.proto
zrpc_gen --proto-path Protos --swift-out Sources/ZRPC/Generated --c-out Sources/ZRPCProtocolC --c-module ZRPCProtocolC --swift-module ZRPC --access package zrpc/wire.proto zrpc/health.proto zrpc/directory.proto
zrpc_gen --proto-path Protos --swift-out Sources/ZRPCQueue/Generated --c-out Sources/ZRPCQueueProtocolC --c-module ZRPCQueueProtocolC --access package zrpc/queue.proto
zrpc_gen --proto-path Protos --swift-out Sources/ZRPCPubSub/Generated --c-out Sources/ZRPCPubSubProtocolC --c-module ZRPCPubSubProtocolC --access package zrpc/pubsub.proto
zrpc_gen --proto-path Protos --swift-out Tests/Support/ConformanceMessages --c-out Tests/Support/ConformanceProtoC --emit messages test/conformance.proto test/naming.proto test/rpc.proto test/policy.proto test/queue.proto test/events.proto
zrpc_gen --proto-path Protos --swift-out Tests/Support/ConformanceServices --emit services --messages-module ConformanceMessages test/conformance.proto test/naming.proto test/rpc.proto test/policy.proto test/queue.proto test/events.proto
zrpc_gen --proto-path Protos --swift-out Examples/Echo/EchoMessages --c-out Examples/Echo/EchoProtoC examples/echo.proto
zrpc_gen --proto-path Protos --swift-out Examples/Cluster/CatalogMessages --c-out Examples/Cluster/CatalogProtoC examples/cluster/catalog.proto
zrpc_gen --proto-path Protos --swift-out Examples/Cluster/OrdersMessages --c-out Examples/Cluster/OrdersProtoC examples/cluster/orders.proto
zrpc_gen --proto-path Protos --swift-out Examples/Cluster/EdgeMessages --c-out Examples/Cluster/EdgeProtoC examples/cluster/edge.proto
zrpc_gen --proto-path Protos --swift-out Sources/ZRPCTestKit/Generated --c-out Sources/ZRPCTestKitProtoC --c-module ZRPCTestKitProtoC zrpc/testkit.proto
