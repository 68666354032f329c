#pragma once

#include "platform/readinessloop.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <memory>

class QObject;

namespace farmchat {

// One accepted TCP socket of the node, on the node's ReadinessLoop: the
// node's own replacement for QTcpSocket (docs/CONNECTIONS.md). Not a QObject,
// no timers, no signals: tens of thousands of idle connections each hold this
// object, their WebSocketReader and their HubSession, and no buffer.
//
// - Input goes to the Receiver as it arrives; what the receiver leaves
//   unconsumed (a partial request head) is kept and offered again with more.
//   The buffer is freed as soon as it is empty.
// - Output is a queue of implicitly shared QByteArrays (a record encoded once
//   is shared by every receiver), written with one vectored send per flush;
//   write readiness is asked for only while some of it is still queued.
// - closeGracefully() sends what is queued, then closes the way
//   LingeringClose says; abort() resets the connection. Either way, and when
//   the peer closes or the connection fails, the receiver hears
//   disconnected() once; the object stays valid until its owner deletes it.
//
// Callbacks run from the loop or from the caller's own calls (flush(),
// abort()); an owner deletes this object later (deleteLater of its QObject),
// never from inside a callback.
class TcpConnection final : public ReadinessLoop::Handler
{
public:
    class Receiver
    {
    public:
        virtual ~Receiver() = default;
        // New input (with whatever was left unconsumed before): returns how
        // many bytes it used; the rest is kept for the next call.
        virtual qsizetype received(QByteArrayView bytes) = 0;
        // The connection is closed: peer close, error, abort, or the end of
        // a graceful close. Called once; nothing follows.
        virtual void disconnected() = 0;

    protected:
        Receiver() = default;
        Receiver(const Receiver &) = default;
        Receiver &operator=(const Receiver &) = default;
    };

    // Takes ownership of an accepted socket `descriptor`; makes it
    // non-blocking with TCP_NODELAY. isOpen() is false when that failed.
    TcpConnection(ReadinessLoop &loop, qintptr descriptor);
    ~TcpConnection() override; // closes an open connection, without telling the receiver
    TcpConnection(const TcpConnection &) = delete;
    TcpConnection &operator=(const TcpConnection &) = delete;

    // Input goes to `receiver` from now on (null: nowhere; reading pauses).
    void setReceiver(Receiver *receiver);
    // Whether input is read at all (a connection busy with a request pauses).
    void setReading(bool reading);
    // Offers kept input to the receiver now (after a handover).
    void deliverBuffered();

    // Queues `bytes` (shared, not copied); sent by the next flush().
    void queue(const QByteArray &bytes);
    // Sends what the kernel takes now; the rest when the socket can take more.
    void flush();
    // Bytes queued and not yet taken by the kernel (the slow-reader limit).
    qint64 bytesQueued() const { return m_queuedBytes; }

    // Stops reading, sends what is queued, then closes (lingering close).
    void closeGracefully();
    // Resets the connection now; queued output is dropped.
    void abort();

    bool isOpen() const { return m_descriptor >= 0; }
    // Input received and not consumed yet (a partial request head).
    bool hasBufferedInput() const { return !m_input.isEmpty(); }
    bool isClosing() const { return m_closing; }
    qintptr descriptor() const { return m_descriptor; }
    // Heap bytes held for input and queued output right now (tests).
    qsizetype bufferedInputCapacity() const { return m_input.capacity(); }

    // Closes `connection` gracefully on its own (what is queued first, such as
    // a close frame), then deletes it; aborted after `graceMs`. Owned by
    // `owner` meanwhile, which must be destroyed before the connection's loop.
    static void closeDetached(
        std::unique_ptr<TcpConnection> connection, QObject *owner, int graceMs);

    void onReady(int fd, bool readable, bool writable, bool hangupOrError) override;

private:
    void readOnce();
    void offer(QByteArrayView bytes, bool fromBuffer);
    void updateInterest();
    void finishGracefulClose();
    void closeNow(bool reset);

    ReadinessLoop &m_loop;
    Receiver *m_receiver = nullptr;
    qintptr m_descriptor;
    QByteArray m_input; // unconsumed input; null while there is none
    QList<QByteArray> m_output; // queued, shared with other connections
    qsizetype m_outputOffset = 0; // bytes of m_output.first() already sent
    qint64 m_queuedBytes = 0;
    bool m_reading = true;
    bool m_closing = false;
    bool m_offering = false; // inside a received() call: no nested offers
};

} // namespace farmchat
