#include "linkfault/linkpipe_p.h"

#include <QRandomGenerator>
#include <QTcpSocket>

#include <algorithm>
#include <cmath>

namespace farmchat {

namespace {

// Bytes the proxy hands to a destination socket before waiting for
// bytesWritten: keeps Qt's write buffer small whatever the link does.
constexpr qint64 kMaxPendingWrite = 256 * 1024;
constexpr qint64 kMaxWrite = 64 * 1024; // one write() call
constexpr qsizetype kMaxChunk = 64 * 1024; // chunks due at the same time merge up to this

// The bucket holds 50 ms worth of bytes (at least 1 KiB): short bursts, a steady rate.
double bucketSize(qint64 bytesPerSecond)
{
    return std::max(1024.0, double(bytesPerSecond) / 20.0);
}

} // namespace

LinkPipe::LinkPipe(QTcpSocket *source, QTcpSocket *destination, qint64 maxHeldBytes,
    qint64 &delivered, QObject *parent)
    : QObject(parent)
    , m_source(source)
    , m_destination(destination)
    , m_maxHeld(maxHeldBytes)
    , m_delivered(delivered)
{
    m_clock.start();
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &LinkPipe::pump);
    connect(m_source, &QTcpSocket::readyRead, this, &LinkPipe::pump);
    connect(m_source, &QTcpSocket::disconnected, this, [this] {
        m_sourceClosed = true;
        pump();
    });
    connect(m_destination, &QTcpSocket::bytesWritten, this, &LinkPipe::pump);
    connect(m_destination, &QTcpSocket::connected, this, &LinkPipe::pump);
}

void LinkPipe::setFault(const DirectionFault &fault, bool partitioned)
{
    if (fault.bytesPerSecond != m_fault.bytesPerSecond) {
        m_refilledAtMs = m_clock.elapsed();
        m_tokens = fault.bytesPerSecond > 0 ? bucketSize(fault.bytesPerSecond) : 0;
    }
    m_fault = fault;
    m_partitioned = partitioned;
    if (m_partitioned)
        m_timer.stop();
    pump();
}

void LinkPipe::pump()
{
    if (m_dropped)
        return;
    take();
    release();
    // Releasing made room: read what waited in the source's buffer.
    if (m_queued < m_maxHeld && m_source->bytesAvailable() > 0) {
        take();
        release();
    }
    passClose();
}

void LinkPipe::take()
{
    const qint64 room = m_maxHeld - m_queued;
    if (room <= 0 || m_source->bytesAvailable() <= 0)
        return;
    QByteArray bytes = m_source->read(std::min(room, m_source->bytesAvailable()));
    if (bytes.isEmpty())
        return;
    const qint64 nowMs = m_clock.elapsed();
    qint64 delayMs = m_fault.latencyMs;
    if (m_fault.jitterMs > 0)
        delayMs += QRandomGenerator::global()->bounded(2 * m_fault.jitterMs + 1) - m_fault.jitterMs;
    // Order kept: a chunk never leaves before the one read before it.
    const qint64 releaseAtMs = std::max(m_lastReleaseMs, nowMs + std::max<qint64>(0, delayMs));
    m_lastReleaseMs = releaseAtMs;
    m_queued += bytes.size();
    if (!m_queue.empty() && m_queue.back().releaseAtMs == releaseAtMs
        && m_queue.back().bytes.size() + bytes.size() <= kMaxChunk) {
        m_queue.back().bytes += bytes;
        return;
    }
    m_queue.push_back(Chunk {releaseAtMs, std::move(bytes)});
}

void LinkPipe::release()
{
    if (m_partitioned || m_destination->state() != QAbstractSocket::ConnectedState)
        return; // held; a heal or the connection being made pumps again
    while (!m_queue.empty()) {
        const qint64 nowMs = m_clock.elapsed();
        Chunk &chunk = m_queue.front();
        if (chunk.releaseAtMs > nowMs)
            return arm(nowMs, chunk.releaseAtMs);
        if (m_destination->bytesToWrite() >= kMaxPendingWrite)
            return; // bytesWritten pumps again
        qint64 size = std::min(kMaxWrite, qint64(chunk.bytes.size() - chunk.offset));
        if (m_fault.bytesPerSecond > 0) {
            size = std::min(size, allowance(nowMs));
            if (size <= 0) {
                const double missing = std::min(double(chunk.bytes.size() - chunk.offset),
                                           bucketSize(m_fault.bytesPerSecond) / 4)
                    - m_tokens;
                const qint64 waitMs
                    = qint64(std::ceil(missing * 1000.0 / double(m_fault.bytesPerSecond)));
                return arm(nowMs, nowMs + std::max<qint64>(1, waitMs));
            }
            m_tokens -= double(size);
        }
        const qint64 written = m_destination->write(chunk.bytes.constData() + chunk.offset, size);
        if (written <= 0)
            return; // the destination failed; its error ends the connection
        m_delivered += written;
        m_queued -= written;
        chunk.offset += written;
        if (chunk.offset >= chunk.bytes.size())
            m_queue.pop_front();
    }
}

qint64 LinkPipe::allowance(qint64 nowMs)
{
    const double rate = double(m_fault.bytesPerSecond);
    m_tokens = std::min(bucketSize(m_fault.bytesPerSecond),
        m_tokens + rate * double(nowMs - m_refilledAtMs) / 1000.0);
    m_refilledAtMs = nowMs;
    // Wait for a useful amount rather than trickling single bytes.
    const double least = std::min(bucketSize(m_fault.bytesPerSecond) / 4,
        double(m_queue.front().bytes.size() - m_queue.front().offset));
    return m_tokens >= least ? qint64(m_tokens) : 0;
}

void LinkPipe::arm(qint64 nowMs, qint64 atMs)
{
    m_timer.start(int(std::clamp<qint64>(atMs - nowMs, 0, 60 * 60 * 1000)));
}

void LinkPipe::passClose()
{
    if (!isDrained() || m_closePassed || m_partitioned)
        return;
    if (m_destination->state() == QAbstractSocket::ConnectingState
        || m_destination->state() == QAbstractSocket::HostLookupState)
        return; // what the source sent goes out once connected, then the close
    m_closePassed = true;
    // FIN after the bytes Qt still has to write.
    if (m_destination->state() == QAbstractSocket::ConnectedState)
        m_destination->disconnectFromHost();
    Q_EMIT drained();
}

void LinkPipe::dropAll()
{
    m_dropped = true;
    m_timer.stop();
    m_queue.clear();
    m_queued = 0;
}

qint64 LinkPipe::heldBytes() const
{
    qint64 held = m_queued + m_source->bytesAvailable();
    if (m_destination->state() == QAbstractSocket::ConnectedState)
        held += m_destination->bytesToWrite();
    return held;
}

bool LinkPipe::isDrained() const
{
    return m_sourceClosed && m_queue.empty() && m_source->bytesAvailable() == 0;
}

} // namespace farmchat
