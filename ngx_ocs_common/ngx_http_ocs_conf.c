/*
 * Configuration helpers: "off"-able strings, files read whole at
 * configuration time, and shared zones ("name:size", one per name).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>


/*
 * A string directive where "off" means none, so that a nested level can
 * switch off what it inherits; cmd->post may check the value.
 */
char *
ngx_http_ocs_conf_set_str_or_off(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    char             *rv;
    ngx_str_t        *field, *value;
    ngx_conf_post_t  *post;

    field = (ngx_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(field, "");
        return NGX_CONF_OK;
    }

    if (cmd->post) {
        post = cmd->post;
        rv = post->post_handler(cf, post, &value[1]);

        if (rv != NGX_CONF_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in \"%V\": %s",
                               &value[1], &cmd->name, rv);
            return NGX_CONF_ERROR;
        }
    }

    *field = value[1];

    return NGX_CONF_OK;
}


/*
 * Reads a small configuration file (a template, a key file) whole at
 * configuration time, so that requests never touch the disk for it.
 * A secret file must not be readable by others.
 */
char *
ngx_http_ocs_read_conf_file(ngx_conf_t *cf, ngx_str_t *name, ngx_str_t *text,
    size_t max, ngx_uint_t secret)
{
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

    if (ngx_conf_full_name(cf->cycle, name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", name);
        goto failed;
    }

    if (secret && (ngx_file_access(&fi) & 0004)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is readable by every user; "
                           "chmod o-rwx it", name);
        goto failed;
    }

    if (ngx_file_size(&fi) > (off_t) max || ngx_file_size(&fi) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is %s (%O bytes, at most %uz)", name,
                           ngx_file_size(&fi) ? "too large" : "empty",
                           ngx_file_size(&fi), max);
        goto failed;
    }

    text->len = (size_t) ngx_file_size(&fi);
    text->data = ngx_pnalloc(cf->pool, text->len + 1);
    if (text->data == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, text->data, text->len);

    if (n != (ssize_t) text->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_fd_n " \"%V\" failed", name);
        goto failed;
    }

    text->data[text->len] = '\0';
    (void) ngx_close_file(fd);

    return NGX_CONF_OK;

failed:

    (void) ngx_close_file(fd);

    return NGX_CONF_ERROR;
}


/*
 * The "name:size" of a zone directive (cmd's name in the messages),
 * at least 8 memory pages.
 */
char *
ngx_http_ocs_conf_zone(ngx_conf_t *cf, ngx_command_t *cmd, ngx_str_t *name,
    size_t *size)
{
    u_char     *p;
    ssize_t     n;
    ngx_str_t  *value, s;

    value = cf->args->elts;

    p = ngx_strlchr(value[1].data, value[1].data + value[1].len, ':');

    if (p == NULL || p == value[1].data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %V \"%V\": use name:size", &cmd->name,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    name->data = value[1].data;
    name->len = p - value[1].data;

    s.data = p + 1;
    s.len = value[1].data + value[1].len - s.data;

    n = ngx_parse_size(&s);

    if (n == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %V size \"%V\"", &cmd->name, &s);
        return NGX_CONF_ERROR;
    }

    if (n < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\" is too small", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    *size = n;

    return NGX_CONF_OK;
}


/* a shared zone of the module tag, which must not exist yet */
ngx_shm_zone_t *
ngx_http_ocs_zone_add(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    void *tag, const char *directive, ngx_shm_zone_init_pt init, void *data)
{
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, name, size, tag);
    if (shm_zone == NULL) {
        return NULL;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s \"%V\" is already defined", directive, name);
        return NULL;
    }

    shm_zone->init = init;
    shm_zone->data = data;

    return shm_zone;
}
