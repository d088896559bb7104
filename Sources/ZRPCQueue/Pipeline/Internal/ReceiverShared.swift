internal import ZeroMQ
@_spi(ReadAhead) import ZRPC

/// What a ``PipelineReceiver``'s readers and its I/O thread share: ZRPC's read-ahead buffer of
/// payloads, with the receiver's counters.
typealias ReceiverShared = ReadAheadBuffer<Frame, PipelineReceiverStatistics>
