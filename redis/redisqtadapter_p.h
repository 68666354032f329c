#pragma once

#include <QObject>

#include <memory>

struct redisAsyncContext;
class QSocketNotifier;

namespace farmchat {

// Drives one hiredis async context from the Qt event loop: a QSocketNotifier
// per direction, the write one enabled only while hiredis has bytes to send.
// (hiredis' own adapters/qt.h uses Qt 5 signal signatures.)
//
// Lifetime rules that keep hiredis from calling into freed memory:
//  - hiredis' cleanup hook detaches the adapter before it frees the context;
//  - the owner calls detach() before redisAsyncFree() itself;
//  - the adapter is never deleted directly, only with deleteLater(), because it
//    may be inside its own notifier's signal when the link ends.
class RedisQtAdapter : public QObject
{
    Q_OBJECT
public:
    explicit RedisQtAdapter(redisAsyncContext *context, QObject *parent = nullptr);
    ~RedisQtAdapter() override;

    // Stop watching the socket and take the hooks out of the context.
    void detach();
    bool isAttached() const { return m_context != nullptr; }

private:
    static void addRead(void *adapter);
    static void delRead(void *adapter);
    static void addWrite(void *adapter);
    static void delWrite(void *adapter);
    static void cleanup(void *adapter);

    void onReadable();
    void onWritable();

    redisAsyncContext *m_context = nullptr;
    std::unique_ptr<QSocketNotifier> m_read;
    std::unique_ptr<QSocketNotifier> m_write;
};

} // namespace farmchat
