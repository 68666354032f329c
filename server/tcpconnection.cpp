#include "server/tcpconnection_p.h"

#include "platform/lingeringclose.h"
#include "platform/socketio.h"
#include "platform/socketreset.h"

#include <QObject>
#include <QTimer>

#include <utility>

namespace farmchat {

namespace {

// Read per readiness call: one turn does not starve the other connections,
// and level-triggered readiness brings the rest on the next.
constexpr qint64 kReadChunk = 64 * 1024;

// A connection closing with nobody else interested in it (closeDetached).
class DetachedClose : public QObject, private TcpConnection::Receiver
{
public:
    DetachedClose(std::unique_ptr<TcpConnection> connection, QObject *owner, int graceMs)
        : QObject(owner), m_connection(std::move(connection))
    {
        QTimer::singleShot(graceMs, this, [this] { m_connection->abort(); });
        m_connection->setReceiver(this);
        m_connection->setReading(false);
        m_connection->closeGracefully();
        if (!m_connection->isOpen())
            deleteLater();
    }

private:
    qsizetype received(QByteArrayView bytes) override { return bytes.size(); }
    void disconnected() override { deleteLater(); }

    std::unique_ptr<TcpConnection> m_connection;
};

} // namespace

void TcpConnection::closeDetached(
    std::unique_ptr<TcpConnection> connection, QObject *owner, int graceMs)
{
    if (connection)
        new DetachedClose(std::move(connection), owner, graceMs);
}

TcpConnection::TcpConnection(ReadinessLoop &loop, qintptr descriptor)
    : m_loop(loop), m_descriptor(descriptor)
{
    // Parked until a receiver is set: level-triggered input nobody reads
    // would be reported on every turn.
    if (descriptor < 0 || !socketio::prepareAccepted(descriptor)
        || !m_loop.watch(int(descriptor), this, false, false)) {
        socketio::closeDescriptor(descriptor);
        m_descriptor = -1;
    }
}

TcpConnection::~TcpConnection()
{
    m_receiver = nullptr;
    closeNow(false); // as destroying a QTcpSocket: FIN, or RST with unread input
}

void TcpConnection::setReceiver(Receiver *receiver)
{
    m_receiver = receiver;
    m_reading = receiver != nullptr;
    updateInterest();
}

void TcpConnection::setReading(bool reading)
{
    m_reading = reading;
    updateInterest();
}

void TcpConnection::deliverBuffered()
{
    if (isOpen() && m_receiver && m_reading && !m_closing && !m_offering && !m_input.isEmpty())
        offer(m_input, true);
}

void TcpConnection::queue(const QByteArray &bytes)
{
    if (!isOpen() || bytes.isEmpty())
        return;
    m_output.append(bytes);
    m_queuedBytes += bytes.size();
}

void TcpConnection::flush()
{
    if (!isOpen())
        return;
    while (!m_output.isEmpty()) {
        QByteArrayView chunks[socketio::kMaxChunks];
        int count = 0;
        qint64 offered = 0;
        for (const QByteArray &bytes : std::as_const(m_output)) {
            if (count == socketio::kMaxChunks)
                break;
            chunks[count] = QByteArrayView(bytes).sliced(count == 0 ? m_outputOffset : 0);
            offered += chunks[count++].size();
        }
        const qint64 sent = socketio::sendVector(m_descriptor, chunks, count);
        if (sent == socketio::kWouldBlock)
            break;
        if (sent == socketio::kFailed)
            return closeNow(false);
        m_queuedBytes -= sent;
        for (qint64 left = sent; left > 0;) {
            const qint64 rest = m_output.first().size() - m_outputOffset;
            if (left < rest) {
                m_outputOffset += left;
                break;
            }
            left -= rest;
            m_output.removeFirst();
            m_outputOffset = 0;
        }
        if (sent < offered)
            break; // the kernel buffer is full
    }
    if (m_output.isEmpty()) {
        m_output = QList<QByteArray>(); // no capacity kept while idle
        if (m_closing)
            return finishGracefulClose();
    }
    updateInterest();
}

void TcpConnection::closeGracefully()
{
    if (!isOpen() || m_closing)
        return;
    m_closing = true;
    flush();
}

void TcpConnection::abort()
{
    closeNow(true);
}

void TcpConnection::onReady(int, bool readable, bool writable, bool hangupOrError)
{
    if (writable || (hangupOrError && !readable))
        flush();
    if (!isOpen())
        return;
    if (readable)
        readOnce();
    else if (hangupOrError)
        closeNow(false); // nothing to read and nothing more can be written
}

void TcpConnection::readOnce()
{
    if (!m_receiver || !m_reading || m_closing)
        return;
    thread_local char scratch[kReadChunk];
    const qint64 n = socketio::receive(m_descriptor, scratch, kReadChunk);
    if (n == socketio::kWouldBlock)
        return;
    if (n <= 0)
        return closeNow(false); // the peer closed, or the connection failed
    if (m_input.isEmpty())
        return offer(QByteArrayView(scratch, n), false);
    m_input.append(scratch, n);
    offer(m_input, true);
}

void TcpConnection::offer(QByteArrayView bytes, bool fromBuffer)
{
    m_offering = true;
    qsizetype used = m_receiver->received(bytes);
    m_offering = false;
    if (!isOpen()) {
        m_input = QByteArray();
        return;
    }
    used = qBound<qsizetype>(0, used, bytes.size());
    if (!fromBuffer) {
        if (used < bytes.size())
            m_input = bytes.sliced(used).toByteArray();
    } else if (used == m_input.size()) {
        m_input = QByteArray(); // memory only while a partial request waits
    } else if (used > 0) {
        m_input.remove(0, used);
    }
}

void TcpConnection::updateInterest()
{
    if (!isOpen())
        return;
    const bool wantRead = m_receiver && m_reading && !m_closing;
    m_loop.update(int(m_descriptor), wantRead, !m_output.isEmpty());
}

void TcpConnection::finishGracefulClose()
{
    // LingeringClose keeps a duplicate: the close below then sends FIN after
    // the queued output, and unread input is drained instead of reset.
    const qintptr descriptor = std::exchange(m_descriptor, -1);
    m_loop.unwatch(int(descriptor));
    auto *linger = new LingeringClose(descriptor, &m_loop);
    socketio::closeDescriptor(descriptor);
    linger->begin();
    if (Receiver *receiver = std::exchange(m_receiver, nullptr))
        receiver->disconnected();
}

void TcpConnection::closeNow(bool reset)
{
    if (!isOpen())
        return;
    const qintptr descriptor = std::exchange(m_descriptor, -1);
    m_loop.unwatch(int(descriptor));
    if (reset)
        setResetOnClose(descriptor);
    socketio::closeDescriptor(descriptor);
    m_output = QList<QByteArray>();
    m_outputOffset = 0;
    m_queuedBytes = 0;
    if (Receiver *receiver = std::exchange(m_receiver, nullptr))
        receiver->disconnected();
}

} // namespace farmchat
