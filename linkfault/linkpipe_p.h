#pragma once

#include "linkfault/linkfault.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>

class QTcpSocket;

namespace farmchat {

// One direction of one proxied connection: reads from `source`, holds each
// chunk until its release time (latency ± jitter, order kept), lets out what
// the bandwidth's token bucket allows, and writes into `destination`. Holds
// at most maxHeldBytes; beyond that it stops reading, so TCP
// pushes back on the sender. A close of the source reaches the destination
// after everything read before it. Used by LinkConnection only.
class LinkPipe : public QObject
{
    Q_OBJECT
public:
    LinkPipe(QTcpSocket *source, QTcpSocket *destination, qint64 maxHeldBytes, qint64 &delivered,
        QObject *parent);

    void setFault(const DirectionFault &fault, bool partitioned);
    // Takes what the source has, within the bound, then releases what is due.
    void pump();
    // The destination is gone: what is held can go nowhere.
    void dropAll();
    qint64
    heldBytes() const; // queued, in the source's read buffer and the destination's write buffer
    bool isDrained() const; // source closed and everything it sent is out
    bool closePassed() const { return m_closePassed; } // and the close went on

Q_SIGNALS:
    void drained(); // the source's close was passed on

private:
    struct Chunk
    {
        qint64 releaseAtMs;
        QByteArray bytes;
        qsizetype offset = 0; // already written
    };

    void take();
    void release();
    qint64 allowance(qint64 nowMs); // bytes the bucket lets out now
    void arm(qint64 nowMs, qint64 atMs);
    void passClose();

    QTcpSocket *m_source; // owned by the connection
    QTcpSocket *m_destination;
    qint64 m_maxHeld; // LinkProxy::kMaxHeldBytes
    qint64 &m_delivered; // the proxy's counter for this direction
    DirectionFault m_fault;
    bool m_partitioned = false;
    std::deque<Chunk> m_queue;
    qint64 m_queued = 0;
    qint64 m_lastReleaseMs = 0;
    double m_tokens = 0;
    qint64 m_refilledAtMs = 0;
    bool m_sourceClosed = false;
    bool m_closePassed = false;
    bool m_dropped = false;
    QElapsedTimer m_clock;
    QTimer m_timer;
};

} // namespace farmchat
