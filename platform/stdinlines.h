#pragma once

#include <QByteArray>
#include <QObject>

#include <memory>

namespace farmchat {

// Reads the process's standard input as lines without blocking the event
// loop: a QSocketNotifier on fd 0 on Unix, a reader thread handing chunks
// over queued on Windows. The launcher's control channel reads its commands
// through it. A line longer than kMaxLineBytes is never buffered whole: it is
// skipped up to its newline and reported by length.
class StdinLines : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype kMaxLineBytes = 64 * 1024;

    explicit StdinLines(QObject *parent = nullptr);
    ~StdinLines() override;

    // Starts reading; lineRead() and friends follow on the event loop.
    void start();

    // What the platform reader calls with each chunk read, and at the end of
    // input (public so the line splitting can be tested without a stdin).
    void feed(const QByteArray &bytes);
    void finish();

Q_SIGNALS:
    // One line, without its "\n" (or "\r\n").
    void lineRead(const QByteArray &line);
    // A line of `bytes` bytes (more than kMaxLineBytes) was skipped.
    void lineTooLong(qint64 bytes);
    // Standard input ended (or cannot be read); emitted once, nothing follows.
    void endOfInput();

private:
    void emitLine(QByteArray line);

    struct Reader;
    std::unique_ptr<Reader> m_reader; // the platform part
    QByteArray m_buffer; // a line's start, without a newline yet
    qint64 m_skipped = -1; // bytes of an overlong line skipped so far; -1: none
    bool m_ended = false;
};

} // namespace farmchat
